/**
 * Which permission each API call needs: one table, read top to bottom, the
 * first match wins. A call not in the table needs 'admin' (nothing is open by
 * accident). Per-document checks (clearance, department, who uploaded it) are
 * made where the document is loaded; this table decides only the action.
 * There is no call that deletes a document: DELETE answers 405 to everyone.
 */
import type { RequestHandler } from 'express';
import type { UsersRepo } from '../../storage/repos/users';
import { can, callerOf, logDenied, type Permission } from '../auth';
import { DomainError } from '../../kernel/errors';

type Rule = [method: string, path: RegExp, need: Permission | 'signed-in'];

const DOC = '/documents/[^/]+';

export const POLICY: readonly Rule[] = [
  ['GET', /^\/me$/, 'signed-in'],
  ['POST', /^\/documents$/, 'upload'],
  ['GET', /^\/documents$/, 'read'],
  // Readable by whoever may see the document (a clerk: what they sent); checked per document.
  ['GET', new RegExp(`^${DOC}(/original|/archive\\.pdf|/text-versions|/pages/\\d+/(image|thumb))?$`), 'signed-in'],
  ['GET', new RegExp(`^${DOC}/verify$`), 'audit'],
  ['GET', new RegExp(`^${DOC}/proof$`), 'audit'],
  ['GET', /^\/audit\/checkpoints\/\d+\/consistency$/, 'audit'],
  ['POST', new RegExp(`^${DOC}/reocr$`), 'reocr'],
  ['POST', /^\/verify$/, 'audit'],
  ['POST', /^\/batches$/, 'upload'],
  ['POST', /^\/batches\/[^/]+\/(files|seal)$/, 'upload'],
  ['GET', /^\/batches\/[^/]+(\/files|\/events)?$/, 'upload'],
  ['GET', /^\/search$/, 'search'],
  ['GET', /^\/audit\/(ledger|report|export|checkpoints)$/, 'audit'],
  ['POST', /^\/audit\/checkpoint$/, 'audit'],
  ['POST', /^\/fixity$/, 'audit'],
  ['GET', /^\/jobs$/, 'audit'],
  // One job: an auditor's, or the job of whoever asked for it (checked in src/http/jobs.ts).
  ['GET', /^\/jobs\/[^/]+$/, 'signed-in'],
  ['GET', /^\/replication$/, 'audit'],
  ['POST', /^\/replication\/catch-up$/, 'audit'],
  ['POST', /^\/reindex$/, 'admin'],
  ['GET', /^\/users$/, 'admin'],
  ['POST', /^\/users$/, 'admin'],
  ['POST', /^\/users\/[^/]+\/(disable|enable)$/, 'admin'],
  ['POST', /^\/users\/[^/]+\/reset-totp$/, 'admin'],
  ['GET', /^\/tokens$/, 'admin'],
  ['POST', /^\/tokens$/, 'admin'],
  ['POST', /^\/tokens\/[^/]+\/revoke$/, 'admin'],
  // Referrals: referring and closing need 'refer' (and the document visible); reading them, seeing the document.
  ['POST', new RegExp(`^${DOC}/referrals$`), 'refer'],
  ['GET', new RegExp(`^${DOC}/referrals$`), 'signed-in'],
  ['POST', /^\/referrals\/(suspend|resume)$/, 'admin'],
  ['POST', /^\/referrals\/[^/]+\/close$/, 'refer'],
  ['GET', /^\/referrals\/overdue$/, 'refer'],
  ['GET', /^\/inbox$/, 'refer'],
  // Directives: written by whoever has 'direct', read by whoever sees the document.
  ['POST', new RegExp(`^${DOC}/directives$`), 'direct'],
  ['GET', new RegExp(`^${DOC}/directives$`), 'signed-in'],
  ['PATCH', new RegExp(`^${DOC}$`), 'register'],
  ['POST', new RegExp(`^${DOC}/corrections$`), 'register'],
  ['GET', new RegExp(`^${DOC}/history$`), 'signed-in'],
  ['POST', new RegExp(`^${DOC}/pages/\\d+/text$`), 'correct-text'],
  // Receipts and the registry's books: whoever keeps the registers.
  ['GET', new RegExp(`^${DOC}/receipt\\.pdf$`), 'register'],
  ['GET', /^\/books\/[^/]+$/, 'register'],
  // Registers, correspondents and links: read by whoever is signed in, kept by whoever registers; a register added by an administrator.
  ['GET', /^\/registers$/, 'signed-in'],
  ['POST', /^\/registers$/, 'admin'],
  ['GET', /^\/correspondents(\/[^/]+)?$/, 'signed-in'],
  ['POST', /^\/correspondents(\/[^/]+)?$/, 'register'],
  ['GET', new RegExp(`^${DOC}/links$`), 'signed-in'],
  ['POST', new RegExp(`^${DOC}/links(/\\d+/remove)?$`), 'register'],
  // Transfers to another archive (BagIt): the records manager's.
  ['POST', /^\/transfers$/, 'records'],
  ['GET', /^\/transfers(\/[^/]+)?$/, 'records'],
  ['GET', /^\/transfers\/[^/]+\/documents\/[^/]+\/text\.txt$/, 'records'],
  ['POST', /^\/transfers\/[^/]+\/complete$/, 'records'],
  // Legal holds: placed and lifted by an administrator ('hold'); read by the records manager too.
  ['GET', /^\/records\/holds(\/[^/]+)?$/, 'records'],
  ['POST', /^\/records\/holds(\/sync|\/[^/]+\/lift)?$/, 'hold'],
  // Disposal: requested and carried out by the records manager; decided by an administrator ('hold').
  ['GET', /^\/records\/disposals(\/[^/]+)?$/, 'records'],
  ['POST', /^\/records\/disposals$/, 'records'],
  ['POST', /^\/records\/disposals\/[^/]+\/decide$/, 'hold'],
  ['POST', /^\/records\/disposals\/[^/]+\/execute$/, 'records'],
  ['GET', new RegExp(`^${DOC}/records$`), 'signed-in'],
  // The retention schedule: kept by the records manager; read with 'records' or 'audit' (checked in the route).
  ['GET', /^\/records\/(rules(\/[^/]+)?|due)$/, 'signed-in'],
  ['POST', /^\/records\/rules(\/[^/]+(\/retire)?)?$/, 'records'],
  ['POST', /^\/records\/extend-locks$/, 'records'],
  // A document's retention, seen by whoever sees it; its file closed with 'register' or 'records' (checked in the route).
  ['GET', new RegExp(`^${DOC}/retention$`), 'signed-in'],
  ['POST', new RegExp(`^${DOC}/close$`), 'signed-in'],
  // A transfer's receipt by the receiving archive: recorded by an administrator ('hold'), as a disposal's decision is.
  ['POST', /^\/transfers\/[^/]+\/receipt$/, 'hold'],
  // The scanner room's printed sheets: separator sheets, and registry labels (numbers taken in advance).
  ['GET', /^\/sheets\/separator$/, 'upload'],
  ['POST', /^\/sheets\/labels$/, 'upload'],
  // A stack kept whole beside its documents: its sender, or an administrator or auditor cleared for it (checked in the route).
  ['GET', /^\/intake-originals\/[^/]+(\/file)?$/, 'signed-in'],
];

/**
 * The calls anyone may make, without a token (whole paths). They are served
 * before authentication (src/http/app.ts), so this table is not consulted on a
 * request: it says what is public, and the API contract (openapi/) and its test
 * hold the routes to it. A new public route adds one line here.
 */
export const PUBLIC: readonly [method: string, path: RegExp][] = [
  ['GET', /^\/(healthz|readyz|metrics)$/],
  ['GET', /^\/verify(\/[^/]+){0,3}$/],
  ['GET', /^\/status$/],
  ['GET', /^\/api\/v1\/(status|audit\/public-key)$/],
  // The API contract and its reference page.
  ['GET', /^\/api\/v1\/openapi\.json$/],
  ['GET', /^\/api\/docs$/],
];

export function requiredPermission(method: string, path: string): Permission | 'signed-in' {
  const m = method === 'HEAD' ? 'GET' : method;
  return POLICY.find(([rm, re]) => rm === m && re.test(path))?.[2] ?? 'admin';
}

/** After authentication: refuses (403, logged) what the caller's role does not allow. */
export function authorize(users: UsersRepo): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'DELETE') {
      next(
        new DomainError('method_not_allowed', { ar: '(لا يُحذف شيء من الأرشيف)', en: '(nothing is deleted from the archive)' }),
      );
      return;
    }
    const caller = callerOf(res.locals);
    const need = requiredPermission(req.method, req.path);
    if (need === 'signed-in' || can(caller, need)) {
      next();
      return;
    }
    logDenied(users, req, caller, `needs ${need}`)
      .catch(() => undefined)
      .finally(() => next(new DomainError('forbidden', { en: `(needs the ${need} permission)`, ar: `(يلزم إذن ${need})` })));
  };
}
