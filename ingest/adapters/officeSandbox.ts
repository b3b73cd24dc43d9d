/**
 * What a LibreOffice conversion may reach, beyond the document it is given.
 *
 * - Its environment is a few plain settings, none of this process's own: no admin token, directory or
 *   single sign-on secret, mailbox URL, database or storage credentials. Its home and temporary folders
 *   are inside the conversion's working folder, so what a killed run leaves there (LibreOffice's lu*.tmp)
 *   goes with that folder at the next start.
 * - Its profile says never to load what a document only links to: pictures on a web address or in a local
 *   file, linked sections, other workbooks, DDE. A document could otherwise make the server fetch URLs, or
 *   pull the server's own files into the PDF.
 * - Where the machine allows it, it runs in a network namespace of its own (only a loopback of its own,
 *   down): `unshare --net --map-root-user`, needing no privilege where user namespaces are permitted.
 *   Where they are not, conversions run with the network, the profile alone keeping links unfollowed.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * The throw-away profile's settings. Macros never run (they are refused before conversion too). Linked
 * pictures load only from trusted referers, which a converted document never is; Writer's links update
 * never (0), Calc's never (1, its own numbering); formulas are not recalculated on load (so no WEBSERVICE).
 */
export const PROFILE_SETTINGS = `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
${[
  ['Common/Security/Scripting', 'MacroSecurityLevel', '3'],
  ['Common/Security/Scripting', 'DisableMacrosExecution', 'true'],
  ['Common/Security/Scripting', 'BlockUntrustedRefererLinks', 'true'],
  ['Writer/Content/Update', 'Link', '0'],
  ['Calc/Content/Update', 'Link', '1'],
  ['Calc/Formula/Load', 'OOXMLRecalcMode', '1'],
  ['Calc/Formula/Load', 'ODFRecalcMode', '1'],
]
  .map(
    ([group, name, value]) =>
      `<item oor:path="/org.openoffice.Office.${group}"><prop oor:name="${name}" oor:op="fuse"><value>${value}</value></prop></item>`,
  )
  .join('\n')}
</oor:items>
`;

/** A program's search path, the one thing of this process's environment a child needs (as for managed services). */
const SEARCH_PATH = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';

/** The whole environment of a conversion whose working folder is `work` (its temporary folder: `tempDir(work)`). */
export function officeEnv(work: string): NodeJS.ProcessEnv {
  return {
    PATH: SEARCH_PATH,
    HOME: work,
    TMPDIR: tempDir(work),
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    // Headless drawing, never a display.
    SAL_USE_VCLPLUGIN: 'svp',
  };
}

/** Where a conversion's temporary files go: inside its working folder. */
export function tempDir(work: string): string {
  return path.join(work, 'tmp');
}

/** Runs the rest of the command line in a new network namespace, as the same user (mapped to root inside it). */
const UNSHARE = ['unshare', '--net', '--map-root-user'] as const;

let isolation: Promise<boolean> | undefined;

/** Whether conversions run without network here (tried once: `unshare` may be missing or not permitted). */
export function networkIsolation(): Promise<boolean> {
  isolation ??= new Promise<boolean>((resolve) => {
    const child = spawn(UNSHARE[0], [...UNSHARE.slice(1), 'true'], { stdio: 'ignore', env: { PATH: SEARCH_PATH } });
    child.once('error', () => resolve(false));
    child.once('close', (code) => resolve(code === 0));
  });
  return isolation;
}

/** The command line that runs `argv` without network where that is possible, as it is where not. */
export async function withoutNetwork(argv: readonly string[]): Promise<string[]> {
  return (await networkIsolation()) ? [...UNSHARE, ...argv] : [...argv];
}
