/** The migrated database every isolated test archive's database is copied from (made by globalSetup). */
export const TEMPLATE_DATABASE = 'diwan_test_template';
