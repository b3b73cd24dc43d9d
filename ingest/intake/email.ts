/**
 * E-mail messages (.eml): the message kept as the original, its body and each attachment archived, the
 * attachments linked to the message's document. (Placeholder: no file is taken as a message yet.)
 */
import { DomainError } from '../../kernel/errors';
import type { AcceptDeps, SpooledFile } from './accept';
import type { IntakeContext, IntakeOutcome } from './route';

export function isEmail(_file: SpooledFile): boolean {
  return false;
}

export async function acceptEmail(
  _file: SpooledFile,
  _ctx: IntakeContext,
  _deps: AcceptDeps,
  _intakePart: (file: SpooledFile, ctx: IntakeContext) => Promise<IntakeOutcome>,
): Promise<IntakeOutcome> {
  throw new DomainError('unsupported_type');
}
