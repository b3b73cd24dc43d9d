/**
 * A real OpenLDAP server for the directory sign-in tests: a slapd.conf and a
 * small directory (people with Arabic display names and hashed passwords,
 * groups as groupOfNames, a service account that alone may read) written into
 * a temporary folder, loaded with slapadd, and /usr/sbin/slapd started on free
 * loopback ports: ldap:// (StartTLS offered) and ldaps://, with a certificate
 * from a CA made for the run (openssl). Changes go through ldapmodify as the
 * directory's root, as an administrator would make them.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const BASE_DN = 'dc=diwan,dc=test';
export const SERVICE = { dn: `cn=diwan-svc,${BASE_DN}`, password: 'service-account-secret' };
const ROOT = { dn: `cn=root,${BASE_DN}`, password: 'root-secret' };

export interface Person {
  uid: string;
  displayName: string;
  password: string;
  /** Group DNs put on the entry itself, as Active Directory does (the memberOf attribute). */
  memberOf?: string[];
}

/** A groupOfNames under ou=groups (or `ou`), with these people (by uid) as members. */
export interface Group {
  cn: string;
  ou?: string;
  members: string[];
}

export interface Slapd {
  url: string;
  /** The same directory over TLS, and the CA (PEM) that signed its certificate. */
  ldapsUrl: string;
  caFile: string;
  personDn(uid: string): string;
  groupDn(cn: string, ou?: string): string;
  /** Applies an LDIF change as the directory's root (ldapmodify). */
  modify(ldif: string): Promise<void>;
  stop(): Promise<void>;
}

/** A salted SHA-1 password ({SSHA}), as slappasswd makes them. */
function ssha(password: string): string {
  const salt = crypto.randomBytes(8);
  const digest = crypto.createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** One LDIF line; values that are not plain ASCII are written base64 (`name:: …`). */
const line = (name: string, value: string) =>
  /^[\x20-\x7e]*$/.test(value) && !/^[ :<]/.test(value)
    ? `${name}: ${value}`
    : `${name}:: ${Buffer.from(value).toString('base64')}`;

function config(dir: string): string {
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
# memberOf on a person's entry, as Active Directory keeps it (OpenLDAP's own memberof overlay is not needed here).
attributetype ( 1.2.840.113556.1.2.102 NAME 'memberOf' EQUALITY distinguishedNameMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 )
objectclass ( 1.3.6.1.4.1.4203.666.11.99.1 NAME 'diwanTestGroupMember' AUXILIARY MAY memberOf )
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile ${dir}/slapd.pid
TLSCACertificateFile ${dir}/ca.pem
TLSCertificateFile ${dir}/server.pem
TLSCertificateKeyFile ${dir}/server.key
# A DN with an empty password binds as anonymous and succeeds, as some directories allow: the client must refuse it.
allow bind_anon_dn
database mdb
suffix "${BASE_DN}"
rootdn "${ROOT.dn}"
rootpw ${ROOT.password}
directory ${dir}/db
maxsize 16777216
access to attrs=userPassword by anonymous auth by * none
access to * by dn.exact="${SERVICE.dn}" read by * none
`;
}

function directory(people: Person[], groups: Group[]): string {
  const entries: string[][] = [
    ['dn: ' + BASE_DN, 'objectClass: dcObject', 'objectClass: organization', 'o: Diwan', 'dc: diwan'],
    [
      `dn: ${SERVICE.dn}`,
      'objectClass: organizationalRole',
      'objectClass: simpleSecurityObject',
      'cn: diwan-svc',
      line('userPassword', ssha(SERVICE.password)),
    ],
  ];
  for (const ou of new Set(['people', 'groups', ...groups.map((g) => g.ou ?? 'groups')])) {
    entries.push([`dn: ou=${ou},${BASE_DN}`, 'objectClass: organizationalUnit', `ou: ${ou}`]);
  }
  for (const p of people) {
    entries.push([
      `dn: uid=${p.uid},ou=people,${BASE_DN}`,
      'objectClass: inetOrgPerson',
      ...(p.memberOf ? ['objectClass: diwanTestGroupMember', ...p.memberOf.map((g) => line('memberOf', g))] : []),
      `uid: ${p.uid}`,
      line('cn', p.displayName),
      line('sn', p.displayName.split(' ').at(-1)!),
      line('displayName', p.displayName),
      line('userPassword', ssha(p.password)),
    ]);
  }
  for (const g of groups) {
    entries.push([
      `dn: cn=${g.cn},ou=${g.ou ?? 'groups'},${BASE_DN}`,
      'objectClass: groupOfNames',
      `cn: ${g.cn}`,
      // groupOfNames needs a member: an empty group holds the base.
      ...(g.members.length ? g.members.map((m) => `member: uid=${m},ou=people,${BASE_DN}`) : [`member: ${BASE_DN}`]),
    ]);
  }
  return entries.map((e) => e.join('\n')).join('\n\n') + '\n';
}

const run = (cmd: string, args: string[], input?: string) =>
  new Promise<void>((resolve, reject) => {
    const child = execFile(cmd, args, (err, _out, stderr) =>
      err ? reject(new Error(`${cmd}: ${stderr || err.message}`)) : resolve(),
    );
    if (input !== undefined) child.stdin!.end(input);
  });

/** A CA for the run and a certificate for 127.0.0.1 signed by it. */
async function makeCertificates(dir: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2'];
  const at = (f: string) => path.join(dir, f);
  await run('openssl', ['req', '-x509', ...ec, '-keyout', at('ca.key'), '-out', at('ca.pem'), '-subj', '/CN=Diwan test CA']);
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    at('server.key'),
    '-out',
    at('server.pem'),
    '-subj',
    '/CN=127.0.0.1',
    '-CA',
    at('ca.pem'),
    '-CAkey',
    at('ca.key'),
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-addext',
    'basicConstraints=CA:FALSE',
  ]);
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

export async function startSlapd(people: Person[], groups: Group[]): Promise<Slapd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-slapd-'));
  fs.mkdirSync(path.join(dir, 'db'));
  const conf = path.join(dir, 'slapd.conf');
  fs.writeFileSync(conf, config(dir));
  fs.writeFileSync(path.join(dir, 'directory.ldif'), directory(people, groups));
  await makeCertificates(dir);
  await run('/usr/sbin/slapadd', ['-q', '-f', conf, '-l', path.join(dir, 'directory.ldif')]);
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = `ldaps://127.0.0.1:${await freePort()}`;
  const child: ChildProcess = spawn('/usr/sbin/slapd', ['-h', `${url}/ ${ldapsUrl}/`, '-f', conf, '-d', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`slapd did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return {
    url,
    ldapsUrl,
    caFile: path.join(dir, 'ca.pem'),
    personDn: (uid) => `uid=${uid},ou=people,${BASE_DN}`,
    groupDn: (cn, ou = 'groups') => `cn=${cn},ou=${ou},${BASE_DN}`,
    modify: (ldif) => run('/usr/bin/ldapmodify', ['-x', '-H', url, '-D', ROOT.dn, '-w', ROOT.password], ldif),
    stop,
  };
}
