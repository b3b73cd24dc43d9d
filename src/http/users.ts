/** People and tokens (administrators only, by the policy table), and `GET /me` for anyone signed in. */
import { Router } from 'express';
import { z } from 'zod';
import { generatePassword, ROLES, UsernameTaken, type UsersRepo } from '../../storage/repos/users';
import { callerOf } from '../auth';
import { DomainError } from '../../kernel/errors';
import { parseOr400 } from './schemas';
import { CLASSIFICATIONS } from '../../kernel/clearance';
import { isUuid } from '../../kernel/text';

/** A new person and a new token (also the API contract's, src/http/openapi/requests.ts). */
export const newUser = z.object({
  username: z.string().regex(/^[A-Za-z0-9._@-]{2,64}$/),
  displayName: z.string().trim().min(1).max(120).optional(),
  role: z.enum(ROLES),
  clearance: z.enum(CLASSIFICATIONS).default('public'),
  // Omitted, null or ["*"]: every department; a list: those; an empty list: none.
  departments: z.array(z.string().trim().min(1).max(200)).max(50).nullable().optional(),
  password: z.string().min(12).max(200).optional(),
});

export const newToken = z.object({
  username: z.string().min(1).max(64),
  name: z.string().trim().min(1).max(120),
  role: z.enum(ROLES).optional(),
});

/** ["*"] asks for every department. */
const isEvery = (departments: string[]) => departments.length === 1 && departments[0] === '*';

export function usersRouter(users: UsersRepo): Router {
  const router = Router();

  router.get('/me', (_req, res) => {
    const c = callerOf(res.locals);
    res.json({ name: c.name, role: c.role, clearance: c.clearance, departments: c.departments, via: c.via });
  });

  router.get('/users', async (_req, res) => {
    res.json({ users: await users.list() });
  });

  router.post('/users', async (req, res) => {
    const u = parseOr400(newUser, req.body);
    const password = u.password ?? generatePassword();
    try {
      const user = await users.add({
        username: u.username,
        displayName: u.displayName ?? u.username,
        role: u.role,
        clearance: u.clearance,
        departments: u.departments === undefined || u.departments === null || isEvery(u.departments) ? null : u.departments,
        password,
      });
      // The password is shown this once when it was made here; it is kept only as a hash.
      res.status(201).json({ user, ...(u.password ? {} : { password }) });
    } catch (e) {
      if (e instanceof UsernameTaken)
        throw new DomainError('bad_request', { ar: '(اسم المستخدم مأخوذ)', en: '(that username is taken)' });
      throw e;
    }
  });

  for (const action of ['disable', 'enable'] as const) {
    router.post(`/users/:username/${action}`, async (req, res) => {
      const user = await users.setDisabled(String(req.params.username), action === 'disable');
      if (!user) throw new DomainError('not_found');
      res.json({ user });
    });
  }

  router.get('/tokens', async (_req, res) => {
    res.json({ tokens: await users.tokens() });
  });

  router.post('/tokens', async (req, res) => {
    const t = parseOr400(newToken, req.body);
    const user = await users.byUsername(t.username);
    if (!user || user.disabled)
      throw new DomainError('not_found', { ar: '(لا يوجد مستخدم فعّال بهذا الاسم)', en: '(no active user of that name)' });
    // A token acts in its user's role, or in a narrower one when asked (never a wider one).
    const role = t.role ?? user.role;
    if (role !== user.role && !(user.role === 'admin' && role !== 'admin')) {
      throw new DomainError('bad_request', {
        ar: '(لا يتجاوز الرمز دور صاحبه)',
        en: '(a token cannot have a role its user lacks)',
      });
    }
    const { token, record } = await users.createToken(user.id, t.name, role);
    res.status(201).json({ token, ...record });
  });

  router.post('/tokens/:id/revoke', async (req, res) => {
    const id = String(req.params.id);
    if (!isUuid(id) || !(await users.revokeToken(id))) throw new DomainError('not_found');
    res.json({ id, revoked: true });
  });

  return router;
}
