/**
 * The API contract, served to anyone (the public table in policy.ts): the
 * OpenAPI 3.1 document at /api/v1/openapi.json and its reference page at
 * /api/docs. The document is built once, on the first request.
 */
import { Router } from 'express';
import { langOf } from '../../web/i18n';
import type { PageCtx } from '../../web/layout';
import { openApiDocument } from './document';
import { referencePage } from './page';

const NOBODY: PageCtx['can'] = {
  search: false,
  upload: false,
  audit: false,
  register: false,
  refer: false,
  direct: false,
  correctText: false,
  records: false,
  hold: false,
};

export function openApiRouter(deps: { timeZone: string }): Router {
  const router = Router();
  let built: ReturnType<typeof openApiDocument> | undefined;
  const doc = () => (built ??= openApiDocument());

  router.get('/api/v1/openapi.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(doc());
  });

  router.get('/api/docs', (req, res) => {
    const ctx: PageCtx = {
      lang: langOf(req, res),
      csrf: '',
      url: req.originalUrl,
      signedIn: false,
      can: NOBODY,
      timeZone: deps.timeZone,
    };
    res.type('html').send(referencePage(doc(), ctx));
  });
  return router;
}
