import { parseImapUrl, startTls } from './imap';

describe('an imap:// mailbox signs in over STARTTLS unless it is on this machine', () => {
  it('requires it for any other host, names and addresses alike', () => {
    expect(startTls(parseImapUrl('imap://u:p@mail.ministry.gov/INBOX'))).toBe(true);
    expect(startTls(parseImapUrl('imap://u:p@10.0.0.5:143/INBOX'))).toBe(true);
    expect(startTls(parseImapUrl('imap://u:p@127.0.0.2:143/INBOX'))).toBe(true);
  });

  it('leaves loopback as it is, and imaps:// is TLS from the first byte', () => {
    expect(startTls(parseImapUrl('imap://u:p@127.0.0.1:143/INBOX'))).toBe(false);
    expect(startTls(parseImapUrl('imap://u:p@LocalHost/INBOX'))).toBe(false);
    expect(startTls(parseImapUrl('imap://u:p@[::1]:143/INBOX'))).toBe(false);
    expect(startTls(parseImapUrl('imaps://u:p@mail.ministry.gov/INBOX'))).toBe(false);
  });
});
