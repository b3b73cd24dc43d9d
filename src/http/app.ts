/**
 * The HTTP application, built from an explicit dependency object. The server,
 * the workers and the tests all build it the same way.
 */
import express from 'express';
import helmet from 'helmet';
import type { AcceptDeps } from '../../ingest/intake/accept';
import { STAGES } from '../../ingest/pipeline';
import type { SearchIndex } from '../../search/searchIndex';
import type { Db } from '../../storage/db';
import type { SigningKey } from '../../storage/integrity/checkpoints';
import type { ObjectStore } from '../../storage/objectStore';
import type { TextVersionsRepo } from '../../storage/repos/textVersions';
import type { UsersRepo } from '../../storage/repos/users';
import { DomainError } from '../../kernel/errors';
import type { Logger } from '../../kernel/log';
import { authenticate } from '../auth';
import type { Config } from '../config';
import { createMetrics } from '../runtime/metrics';
import { CSP_DIRECTIVES, viewerRouter } from '../web/router';
import { auditRouter, publicKeyRouter } from './audit';
import { batchesRouter } from './batches';
import { documentsRouter } from './documents';
import { correctionsRouter } from './corrections';
import { textsRouter } from './texts';
import { errorHandler } from './errors';
import { healthRouter } from './health';
import { jobsRouter } from './jobs';
import { authorize } from './policy';
import { requestLog } from './requestLog';
import { searchRouter } from './search';
import { usersRouter } from './users';
import { secondFactorRouter } from './secondFactor';
import { createSecondFactorsRepo, secondFactorKey } from '../../storage/repos/secondFactors';
import { verifyRouter } from './stampCheck';
import { registersRouter } from './registers';
import { correspondentsRouter } from './correspondents';
import { linksRouter } from './links';
import { referralsRouter } from './referrals';
import { directivesRouter } from './directives';
import { booksRouter } from './books';
import { receiptsRouter } from './receipts';
import { statusRouter } from './status';
import { openApiRouter } from './openapi/router';
import { retentionRouter } from './retention';
import { holdsRouter } from './holds';
import { disposalsRouter } from './disposals';
import { transfersRouter } from './transfers';
import { sheetsRouter } from './sheets';
import { intakeOriginalsRouter } from './intakeOriginals';

export interface AppDeps extends AcceptDeps {
  db: Db;
  offsite: ObjectStore;
  search: SearchIndex;
  adminToken: string;
  users: UsersRepo;
  maxRequestBytes: number;
  maxFilesPerRequest: number;
  reviewBelow: number;
  verifyPerMinute: number;
  textVersions: TextVersionsRepo;
  signingKey: SigningKey;
  /** What the stamp says and where its QR code points (the viewer shows it). */
  archive: Config['archive'];
  /** Express's `trust proxy`, so rate limits and logs see the client behind the TLS proxy. */
  trustProxy?: string | number;
  log: Logger;
  /** Days to act on a referral when no due date is given (DIWAN_REFERRAL_DAYS). */
  referralDays: number;
  /** Sign-in through the ministry's directory and the second factor (Config.identity). */
  identity: Config['identity'];
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  const metrics = createMetrics({
    db: deps.db,
    offsiteName: deps.offsite.name,
    stages: STAGES.map((s) => s.id),
    tokenCache: () => deps.users.tokenCacheState(),
  });
  // Second-factor secrets are sealed under a key derived from the signing key (never in the database).
  const secondFactors = createSecondFactorsRepo(deps.db, secondFactorKey(deps.signingKey.privateKey));
  app.disable('x-powered-by');
  if (deps.trustProxy !== undefined) app.set('trust proxy', deps.trustProxy);
  app.use(requestLog(deps.log));
  // Security headers everywhere, with the viewer's strict Content-Security-Policy (API answers are JSON).
  app.use(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
      crossOriginEmbedderPolicy: false,
      strictTransportSecurity: false, // TLS is ended in front of Diwan; the proxy sets HSTS
    }),
  );
  app.set('query parser', 'simple');

  app.use(healthRouter({ ...deps, metrics }));

  app.use(publicKeyRouter(deps.signingKey));

  // Public: where a stamp's QR code leads. No token.
  app.use(verifyRouter({ db: deps.db, documents: deps.documents, perMinute: deps.verifyPerMinute }));
  // Public: where a receipt's QR code leads (the state of a transaction, given its number and code). No token.
  app.use(
    statusRouter({ db: deps.db, signingKey: deps.signingKey, perMinute: deps.verifyPerMinute, timeZone: deps.archive.timeZone }),
  );
  // Public: the API contract (OpenAPI 3.1, /api/v1/openapi.json) and its reference page (/api/docs).
  app.use(openApiRouter({ timeZone: deps.archive.timeZone }));

  const api = express.Router();
  api.use(authenticate(deps.adminToken, deps.users));
  api.use(express.json({ limit: '256kb' }));
  api.use(authorize(deps.users));
  // First: the call made for every person's query, which then passes no other router's routes.
  api.use(searchRouter(deps));
  api.use(usersRouter(deps.users));
  api.use(secondFactorRouter({ users: deps.users, secondFactors }));
  api.use(documentsRouter(deps));
  api.use(batchesRouter(deps));
  api.use(auditRouter(deps));
  api.use(jobsRouter(deps));
  api.use(referralsRouter(deps));
  api.use(directivesRouter(deps));
  api.use(correctionsRouter(deps));
  api.use(textsRouter(deps));
  api.use(receiptsRouter(deps));
  api.use(booksRouter(deps));
  api.use(registersRouter(deps));
  api.use(correspondentsRouter(deps));
  api.use(linksRouter(deps));
  api.use(transfersRouter(deps));
  api.use(holdsRouter(deps));
  api.use(disposalsRouter(deps));
  api.use(retentionRouter(deps));
  api.use(sheetsRouter(deps));
  api.use(intakeOriginalsRouter(deps));
  api.use((_req, _res, next) => next(new DomainError('not_found')));
  app.use('/api/v1', api);

  // The viewer: search, documents, upload, audit (Arabic first, signed in with the access token).
  app.use(
    viewerRouter({
      adminToken: deps.adminToken,
      users: deps.users,
      db: deps.db,
      documents: deps.documents,
      batches: deps.batches,
      search: deps.search,
      primary: deps.primary,
      offsite: deps.offsite,
      archive: deps.archive,
      signingKeyPem: deps.signingKey.publicKeyPem,
      spoolDir: deps.spoolDir,
      maxFileBytes: deps.limits.maxFileBytes,
      reviewBelow: deps.reviewBelow,
      referralDays: deps.referralDays,
      identity: deps.identity,
      secondFactors,
    }),
  );

  app.use((_req, _res, next) => next(new DomainError('not_found')));
  app.use(errorHandler(deps.log));
  return app;
}
