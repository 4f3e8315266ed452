-- nothing to undo: the wait changed nothing
SELECT 1;
