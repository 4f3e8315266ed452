-- fails when the index is missing or INVALID (a failed concurrent build)
SELECT 1 / (SELECT count(*)::int FROM pg_index WHERE indexrelid = 'users_email_idx'::regclass AND indisvalid);
