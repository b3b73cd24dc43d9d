/** Every route of the API contract, in the order the reference shows them (each group's file holds its own). */
import { AUDIT_OPS } from './opsAudit';
import { DOCUMENT_OPS } from './opsDocuments';
import { PUBLIC_OPS } from './opsPublic';
import { RECORDS_OPS } from './opsRecords';
import { REGISTRY_OPS } from './opsRegistry';
import { SHEETS_OPS } from './opsSheets';
import { INTAKE_ORIGINAL_OPS } from './opsIntakeOriginals';
import type { Operation } from './spec';

export const OPERATIONS: readonly Operation[] = [
  ...PUBLIC_OPS,
  ...DOCUMENT_OPS,
  ...REGISTRY_OPS,
  ...SHEETS_OPS,
  ...INTAKE_ORIGINAL_OPS,
  ...AUDIT_OPS,
  ...RECORDS_OPS,
];

/** A path with each parameter given a value (1): what the permission table and the router are asked about. */
export function samplePath(template: string): string {
  return template.replace(/\{[^}]+\}/g, '1');
}

/** The path below /api/v1, as the permission table writes it (undefined for a route outside the API). */
export function apiPath(template: string): string | undefined {
  return template.startsWith('/api/v1/') ? samplePath(template).slice('/api/v1'.length) : undefined;
}
