/**
 * `POST /users/:username/reset-totp` (administrators only, by the policy table): removes a person's second
 * factor (a lost phone), and any sign-in of theirs half done; they set one up again at their next sign-in
 * when their role needs one. Logged with who asked, as the other changes to people are.
 */
import { Router } from 'express';
import type { Logger } from '../../kernel/log';
import { DomainError } from '../../kernel/errors';
import type { SecondFactorsRepo } from '../../storage/repos/secondFactors';
import type { UsersRepo } from '../../storage/repos/users';
import { callerOf } from '../auth';

export function secondFactorRouter(deps: { users: UsersRepo; secondFactors: SecondFactorsRepo }): Router {
  const router = Router();
  router.post('/users/:username/reset-totp', async (req, res) => {
    const user = await deps.users.byUsername(String(req.params.username));
    if (!user) throw new DomainError('not_found');
    const removed = await deps.secondFactors.reset(user.id);
    (res.locals.log as Logger).info('second factor reset', { username: user.username, removed, by: callerOf(res.locals).name });
    res.json({ username: user.username, removed });
  });
  return router;
}
