/**
 * A real OpenID Connect provider for the single sign-on tests (oidc-provider),
 * run by plain Node as a child process of the test:
 *
 *   node test/oidc/provider.mjs PORT ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI
 *
 * It listens on 127.0.0.1:PORT, prints "ready" when it does, and holds one
 * client (this archive, with its callback) and a few people with Arabic names
 * and a `groups` claim. Its sign-in page is a plain form (username, password)
 * posted to /interaction/UID/login; the provider itself then issues the code
 * and the tokens. This archive is the ministry's own client, so no consent is
 * asked. POST /fixture/accounts/ID with JSON {name, groups} changes a person
 * (the test's stand-in for the directory behind the provider).
 */
import crypto from 'node:crypto';
import http from 'node:http';
import { URL, URLSearchParams } from 'node:url';
import Provider from 'oidc-provider';

const [port, issuer, clientId, clientSecret, redirectUri] = process.argv.slice(2);

/** The people, by subject; `login` and `password` are what they type on the provider's form. */
const accounts = {
  'sub-amina': {
    login: 'amina',
    password: 'amina-pass',
    preferred_username: 'amina',
    email: 'amina@mof.example',
    name: 'أمينة الراشد',
    groups: ['diwan-admins'],
  },
  'sub-khalid': {
    login: 'khalid',
    password: 'khalid-pass',
    preferred_username: 'خالد',
    email: 'khalid@mof.example',
    name: 'خالد العمري',
    groups: ['diwan-clerks', 'staff'],
  },
  'sub-salma': {
    login: 'salma',
    password: 'salma-pass',
    preferred_username: 'salma',
    email: 'salma@mof.example',
    name: 'سلمى الحسن',
    groups: ['staff'],
  },
};
const byLogin = (login) => Object.entries(accounts).find(([, a]) => a.login === login);

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' }] },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'],
    groups: ['groups'],
  },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, sub) {
    const a = accounts[sub];
    if (!a) return undefined;
    return {
      accountId: sub,
      claims: () => ({
        sub,
        name: a.name,
        preferred_username: a.preferred_username,
        email: a.email,
        email_verified: true,
        groups: a.groups,
      }),
    };
  },
  // The archive is the ministry's own client: the scopes it asks for are granted without a consent page.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(ctx.oidc.params.scope);
    await grant.save();
    return grant;
  },
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginForm(uid, wrong) {
  return `<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>بوابة الدخول الموحد</title></head><body>
<h1>بوابة الدخول الموحد للوزارة</h1>${wrong ? '<p role="alert">اسم المستخدم أو كلمة المرور غير صحيحة</p>' : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>اسم المستخدم <input name="username" dir="ltr"></label>
<label>كلمة المرور <input name="password" type="password" dir="ltr"></label>
<button type="submit">دخول</button></form></body></html>`;
}

async function body(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (req.method === 'GET' && !action) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginForm(uid, false));
    return;
  }
  if (req.method === 'POST' && action === 'login') {
    const form = new URLSearchParams(await body(req));
    const found = byLogin(form.get('username') ?? '');
    if (!found || found[1].password !== form.get('password')) {
      res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' }).end(loginForm(uid, true));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: found[0] } }, { mergeWithLastSubmission: false });
    return;
  }
  res.writeHead(404).end();
}

async function changeAccount(req, res, sub) {
  const a = accounts[sub];
  if (!a) return void res.writeHead(404).end();
  const change = JSON.parse(await body(req));
  if (typeof change.name === 'string') a.name = change.name;
  if (Array.isArray(change.groups)) a.groups = change.groups;
  res.writeHead(204).end();
}

const handler = provider.callback();
const server = http.createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const i = /^\/interaction\/([^/]+)(?:\/(login))?$/.exec(path);
  const f = req.method === 'POST' ? /^\/fixture\/accounts\/([^/]+)$/.exec(path) : null;
  const work = i ? interaction(req, res, i[1], i[2]) : f ? changeAccount(req, res, f[1]) : undefined;
  if (!work) return handler(req, res);
  work.catch((e) => {
    process.stderr.write(`provider fixture: ${e?.stack ?? e}\n`);
    if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' }).end(String(e?.message ?? e));
  });
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
