/**
 * Office documents (.docx, .xlsx, .odt, .rtf): converted to PDF by LibreOffice headless in a process of its
 * own, under a time and memory limit. (Placeholder: no file is taken as an Office document yet.)
 */
import { DomainError } from '../../kernel/errors';
import type { AcceptDeps, SpooledFile } from './accept';
import type { IntakeContext, IntakeOutcome } from './route';

export interface OfficeType {
  mime: string;
  ext: 'docx' | 'xlsx' | 'odt' | 'ods' | 'rtf';
}

export async function officeType(_file: SpooledFile): Promise<OfficeType | undefined> {
  return undefined;
}

export async function acceptOffice(
  _file: SpooledFile,
  _type: OfficeType,
  _ctx: IntakeContext,
  _deps: AcceptDeps,
): Promise<IntakeOutcome> {
  throw new DomainError('unsupported_type');
}
