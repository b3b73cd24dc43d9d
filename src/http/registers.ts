/** Routes for the registers (books): the list, and an administrator adding one (ledgered). */
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../storage/db';
import { createRegister, DIRECTIONS, listRegisters } from '../../storage/repos/registers';
import { REGISTER_CODE } from '../../kernel/registry';
import { callerOf } from '../auth';
import { parseOr400, plainText } from './schemas';

const nonEmpty = (max: number) => plainText(max).pipe(z.string().min(1));

export const newRegisterSchema = z.object({
  code: z.string().trim().regex(REGISTER_CODE, 'a-z, 0-9 and "-", 2 to 31 characters, starting with a letter'),
  nameAr: nonEmpty(100),
  nameEn: nonEmpty(100),
  letterAr: nonEmpty(10),
  letterEn: nonEmpty(10),
  direction: z.enum(DIRECTIONS),
});

export function registersRouter(deps: { db: Db }): Router {
  const router = Router();
  router.get('/registers', async (_req, res) => {
    res.json({ items: await listRegisters(deps.db) });
  });
  router.post('/registers', async (req, res) => {
    const body = parseOr400(newRegisterSchema, req.body);
    const reg = await createRegister(deps.db, body, callerOf(res.locals).userId);
    res.status(201).location(`/api/v1/registers/${reg.code}`).json(reg);
  });
  return router;
}
