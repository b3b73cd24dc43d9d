/** Thrown to ask the job queue to try again later; `stage` names the step that could not finish. */
export class RetryLater extends Error {
  constructor(
    readonly stage: string,
    reason: string,
  ) {
    super(reason);
  }
}
