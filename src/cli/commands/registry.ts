/**
 * `diwan registers`: the registers (books) documents are numbered in, and
 * `diwan registers add CODE --name-ar … --name-en … --letter-ar … --letter-en …
 * --direction in|out|internal` (an administrator) to add one.
 */
import type { Config } from '../../config';
import { UsageError, type CommandInput } from '../input';
import { createClient } from '../client';
import { json } from '../output';

interface RegisterView {
  code: string;
  nameAr: string;
  nameEn: string;
  letterAr: string;
  letterEn: string;
  direction: string;
}

/** `diwan registers`: the registers and their letters. */
export async function registers(config: Config, args: CommandInput): Promise<number> {
  const res = await createClient(config).get<{ items: RegisterView[] }>('/registers');
  if (args.flags.has('json')) {
    json(res.items);
    return 0;
  }
  for (const r of res.items) {
    process.stdout.write(`${r.code}\t${r.nameAr} / ${r.nameEn}\t${r.letterAr} / ${r.letterEn}\t${r.direction}\n`);
  }
  return 0;
}

/** `diwan registers add CODE --name-ar … --name-en … --letter-ar … --letter-en … --direction …` (an administrator). */
export async function registersAdd(config: Config, args: CommandInput): Promise<number> {
  const [code] = args.positionals;
  if (!code) throw new UsageError('registers add CODE --name-ar … --name-en … --letter-ar … --letter-en … --direction …');
  const need = (name: string) => {
    const v = args.options.get(name);
    if (!v) throw new UsageError(`registers add needs --${name}`);
    return v;
  };
  const reg = await createClient(config).post<RegisterView>('/registers', {
    code,
    nameAr: need('name-ar'),
    nameEn: need('name-en'),
    letterAr: need('letter-ar'),
    letterEn: need('letter-en'),
    direction: need('direction'),
  });
  if (args.flags.has('json')) json(reg);
  else process.stdout.write(`${reg.code}\t${reg.nameAr} / ${reg.nameEn}\t${reg.letterAr} / ${reg.letterEn}\t${reg.direction}\n`);
  return 0;
}
