/**
 * The retention schedule's rules. A rule is known by its code; each change is a new version row (the old
 * ones stay, so a document names the very version it was given): made with ledger 'rule-created', changed
 * or retired with 'rule-changed' carrying the whole new version and the reason. A change of rule
 * recomputes the due dates of the documents it touches (storage/records/retention.ts).
 */
import { inTransaction, type Db, type Queryable, type Tx } from '../db';
import { appendLedger, type LedgerEntry } from '../integrity/ledger';
import { DomainError } from '../../kernel/errors';
import { formatPeriod, parsePeriod, periodInterval } from '../../kernel/period';

export const TRIGGERS = ['registered', 'closed', 'date'] as const;
export const ACTIONS = ['review', 'destroy', 'transfer'] as const;
export type Trigger = (typeof TRIGGERS)[number];
export type RuleAction = (typeof ACTIONS)[number];

/** What a rule says: its names, which documents it matches (null: any), its period (null: permanent), trigger and action. */
export interface RuleFields {
  nameAr: string;
  nameEn: string | null;
  docType: string | null;
  register: string | null;
  classification: string | null;
  priority: number;
  /** '5y', '18mo', '30d', '2m'; null: kept permanently. */
  period: string | null;
  trigger: Trigger;
  /** YYYY-MM-DD, only for the trigger 'date'. */
  triggerDate: string | null;
  action: RuleAction;
}

export interface RuleVersion extends RuleFields {
  id: string;
  code: string;
  version: number;
  retired: boolean;
  createdAt: string;
  createdBy: string;
  reason: string | null;
}

interface Row {
  id: string;
  code: string;
  version: number;
  name_ar: string;
  name_en: string | null;
  doc_type: string | null;
  register: string | null;
  classification: string | null;
  priority: number;
  trigger: Trigger;
  trigger_date: string | null;
  action: RuleAction;
  retired: boolean;
  created_at: Date;
  created_by: string;
  reason: string | null;
  py: number | null;
  pmo: number | null;
  pd: number | null;
  ph: number | null;
  pmi: number | null;
  ps: number | null;
}

export const RULE_COLUMNS = `id, code, version, name_ar, name_en, doc_type, register, classification, priority, trigger,
  to_char(trigger_date, 'YYYY-MM-DD') AS trigger_date, action, retired, created_at, created_by, reason,
  date_part('year', period) AS py, date_part('month', period) AS pmo, date_part('day', period) AS pd,
  date_part('hour', period) AS ph, date_part('minute', period) AS pmi, date_part('second', period) AS ps`;

export function toRule(r: Row): RuleVersion {
  return {
    id: String(r.id),
    code: r.code,
    version: r.version,
    nameAr: r.name_ar,
    nameEn: r.name_en,
    docType: r.doc_type,
    register: r.register,
    classification: r.classification,
    priority: r.priority,
    period:
      r.py === null
        ? null
        : formatPeriod({
            years: r.py,
            months: r.pmo ?? 0,
            days: r.pd ?? 0,
            hours: r.ph ?? 0,
            minutes: r.pmi ?? 0,
            seconds: r.ps ?? 0,
          }),
    trigger: r.trigger,
    triggerDate: r.trigger_date,
    action: r.action,
    retired: r.retired,
    createdAt: r.created_at.toISOString(),
    createdBy: r.created_by,
    reason: r.reason,
  };
}

/** The interval literal of a period as given, or a refusal (400) when it is not one. */
function intervalOf(period: string | null): string | null {
  if (period === null) return null;
  const p = parsePeriod(period);
  if (!p) throw new DomainError('bad_period', { ar: `(${period})`, en: `(${period})` });
  return periodInterval(p);
}

async function checkFields(q: Queryable, f: RuleFields): Promise<void> {
  intervalOf(f.period);
  if ((f.trigger === 'date') !== (f.triggerDate !== null)) throw new DomainError('bad_trigger_date');
  if (f.register !== null) {
    const r = await q.query('SELECT 1 FROM registers WHERE code = $1', [f.register]);
    if (r.rows.length === 0) throw new DomainError('unknown_register', { ar: f.register, en: f.register });
  }
}

async function insertVersion(
  tx: Tx,
  code: string,
  version: number,
  f: RuleFields,
  retired: boolean,
  by: string,
  reason: string | null,
  at?: { id: string; createdAt: string },
): Promise<RuleVersion> {
  const res = await tx.query<Row>(
    `INSERT INTO retention_rules (id, code, version, name_ar, name_en, doc_type, register, classification, priority, period,
       trigger, trigger_date, action, retired, created_by, reason, created_at)
     VALUES (COALESCE($1::bigint, nextval('retention_rules_id_seq')), $2, $3, $4, $5, $6, $7, $8, $9, $10::interval,
       $11, $12::date, $13, $14, $15, $16, COALESCE($17::timestamptz, now()))
     RETURNING ${RULE_COLUMNS}`,
    [
      at?.id ?? null,
      code,
      version,
      f.nameAr,
      f.nameEn,
      f.docType,
      f.register,
      f.classification,
      f.priority,
      intervalOf(f.period),
      f.trigger,
      f.triggerDate,
      f.action,
      retired,
      by,
      reason,
      at?.createdAt ?? null,
    ],
  );
  return toRule(res.rows[0]!);
}

/** The current version of a rule (locked for a change when `forUpdate`), or undefined. */
export async function currentRule(q: Queryable, code: string, forUpdate = false): Promise<RuleVersion | undefined> {
  if (forUpdate) await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`retention-rule:${code}`]);
  const res = await q.query<Row>(`SELECT ${RULE_COLUMNS} FROM retention_rules WHERE code = $1 ORDER BY version DESC LIMIT 1`, [
    code,
  ]);
  return res.rows[0] ? toRule(res.rows[0]) : undefined;
}

/** Every rule's current version (retired ones too, marked), by code. */
export async function listRules(q: Queryable): Promise<RuleVersion[]> {
  const res = await q.query<Row>(`SELECT ${RULE_COLUMNS} FROM retention_rules_current ORDER BY code`);
  return res.rows.map(toRule);
}

/** A rule's versions, newest first; undefined when there is no such rule. */
export async function ruleVersions(q: Queryable, code: string): Promise<RuleVersion[] | undefined> {
  const res = await q.query<Row>(`SELECT ${RULE_COLUMNS} FROM retention_rules WHERE code = $1 ORDER BY version DESC`, [code]);
  return res.rows.length ? res.rows.map(toRule) : undefined;
}

/** One version by its id (the one a document was given). */
export async function ruleById(q: Queryable, id: string): Promise<RuleVersion | undefined> {
  const res = await q.query<Row>(`SELECT ${RULE_COLUMNS} FROM retention_rules WHERE id = $1`, [id]);
  return res.rows[0] ? toRule(res.rows[0]) : undefined;
}

/** Makes a rule (version 1) and its ledger entry; the documents it matches get their rule after (recomputeForRule). */
export async function createRule(db: Db, code: string, f: RuleFields, by: string): Promise<RuleVersion> {
  return inTransaction(db, async (tx) => {
    await checkFields(tx, f);
    if (await currentRule(tx, code, true)) throw new DomainError('rule_exists', { ar: `(${code})`, en: `(${code})` });
    const rule = await insertVersion(tx, code, 1, f, false, by, null);
    await appendLedger(tx, 'rule-created', null, { ...rule });
    return rule;
  });
}

/**
 * A new version of a rule with the fields changed and the reason (or retired), and its ledger entry.
 * Returns the previous version and the new one.
 */
export async function changeRule(
  db: Db,
  code: string,
  change: Partial<RuleFields> & { retire?: boolean },
  reason: string,
  by: string,
): Promise<{ before: RuleVersion; rule: RuleVersion }> {
  return inTransaction(db, async (tx) => {
    const before = await currentRule(tx, code, true);
    if (!before) throw new DomainError('unknown_rule', { ar: `(${code})`, en: `(${code})` });
    if (before.retired) throw new DomainError('rule_retired', { ar: `(${code})`, en: `(${code})` });
    const { retire, ...fields } = change;
    const next: RuleFields = {
      nameAr: before.nameAr,
      nameEn: before.nameEn,
      docType: before.docType,
      register: before.register,
      classification: before.classification,
      priority: before.priority,
      period: before.period,
      trigger: before.trigger,
      triggerDate: before.triggerDate,
      action: before.action,
      ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
    };
    if (next.trigger !== 'date') next.triggerDate = null;
    await checkFields(tx, next);
    const rule = await insertVersion(tx, code, before.version + 1, next, retire === true, by, reason);
    await appendLedger(tx, 'rule-changed', null, { ...rule, previousVersion: before.version });
    return { before, rule };
  });
}

/** Restore: puts a rule version back from its ledger entry, with its id and time (nothing when it is there). */
export async function replayRuleVersion(tx: Tx, e: LedgerEntry): Promise<boolean> {
  const p = e.payload as unknown as RuleVersion;
  const there = await tx.query('SELECT 1 FROM retention_rules WHERE code = $1 AND version = $2', [p.code, p.version]);
  if (there.rows.length > 0) return true;
  if (p.register !== null) {
    const r = await tx.query('SELECT 1 FROM registers WHERE code = $1', [p.register]);
    if (r.rows.length === 0) return false;
  }
  await insertVersion(tx, p.code, p.version, p, p.retired, p.createdBy, p.reason, { id: p.id, createdAt: p.createdAt });
  // Later rules made after the restore take ids after every restored one.
  await tx.query(
    `SELECT setval('retention_rules_id_seq', GREATEST((SELECT max(id) FROM retention_rules), (SELECT last_value FROM retention_rules_id_seq)))`,
  );
  return true;
}
