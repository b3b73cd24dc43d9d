import { tokenRoleNow } from './auth';

test("a token acts in no more than its user's current role", () => {
  expect(tokenRoleNow('admin', 'admin')).toBe('admin');
  expect(tokenRoleNow('auditor', 'admin')).toBe('auditor');
  // The administrator's token of a person who is now a clerk acts as a clerk.
  expect(tokenRoleNow('admin', 'clerk')).toBe('clerk');
  // Neither role covers the other: the token acts in none.
  expect(tokenRoleNow('auditor', 'official')).toBeUndefined();
});
