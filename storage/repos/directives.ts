/**
 * Directives (تأشيرة): an official's short annotation on a document (text,
 * who, when), kept beside it. A directive never touches the document's files:
 * the original, the archive PDF and the manifest stay as they were. Each is
 * added with its ledger entry in one transaction (the entry carries the whole
 * directive, so storage/repos/referralReplay.ts can put it back), and none is
 * ever changed or removed.
 */
import { inTransaction, type Db } from '../db';
import { appendLedger } from '../integrity/ledger';

export interface Directive {
  id: number;
  documentId: string;
  text: string;
  /** Who wrote it, as the ledger records them. */
  by: string;
  /** Their name as people know it, when they are a person of the viewer. */
  byName: string | null;
  at: string;
}

interface Row {
  id: string;
  document_id: string;
  text: string;
  by_user: string;
  by_name: string | null;
  at: Date;
}

const toDirective = (r: Row): Directive => ({
  id: Number(r.id),
  documentId: r.document_id,
  text: r.text,
  by: r.by_user,
  byName: r.by_name,
  at: r.at.toISOString(),
});

export function createDirectivesRepo(db: Db) {
  return {
    /** A document's directives, oldest first. */
    async forDocument(documentId: string): Promise<Directive[]> {
      const res = await db.query<Row>('SELECT * FROM directives WHERE document_id = $1 ORDER BY id', [documentId]);
      return res.rows.map(toDirective);
    },

    async add(d: {
      documentId: string;
      registryNo: string;
      text: string;
      by: string;
      byName: string | null;
    }): Promise<Directive> {
      const at = new Date().toISOString();
      return inTransaction(db, async (tx) => {
        const res = await tx.query<Row>(
          'INSERT INTO directives (document_id, text, by_user, by_name, at) VALUES ($1, $2, $3, $4, $5) RETURNING *',
          [d.documentId, d.text, d.by, d.byName, at],
        );
        const directive = toDirective(res.rows[0]!);
        await appendLedger(tx, 'directive', d.documentId, {
          directiveId: directive.id,
          registryNo: d.registryNo,
          text: d.text,
          by: d.by,
          byName: d.byName,
          at,
        });
        return directive;
      });
    },
  };
}

export type DirectivesRepo = ReturnType<typeof createDirectivesRepo>;
