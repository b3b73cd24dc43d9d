/**
 * The API contract's check in `npm run check`: the OpenAPI document built as
 * the server builds it (no service started) and validated by a real OpenAPI
 * validator (@seriousme/openapi-schema-validator, against the OpenAPI 3.1
 * schema). Prints what is wrong and exits 1, or says what the document holds.
 *
 *   npm run build && node dist/scripts/check/openapi.js
 */
import { openApiDocument } from '../../src/http/openapi/document';

async function main(): Promise<number> {
  // The validator is an ES module: loaded as one.
  const { Validator } = await import('@seriousme/openapi-schema-validator');
  const doc = openApiDocument();
  const result = await new Validator().validate(doc);
  if (!result.valid) {
    console.error('openapi: the document is not valid OpenAPI 3.1:');
    console.error(JSON.stringify(result.errors, null, 2));
    return 1;
  }
  const paths = doc.paths as Record<string, object>;
  const operations = Object.values(paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
  const schemas = Object.keys((doc.components as { schemas: object }).schemas).length;
  console.log(
    `openapi: valid OpenAPI ${String(doc.openapi)}: ${operations} operations on ${Object.keys(paths).length} paths, ${schemas} schemas`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
