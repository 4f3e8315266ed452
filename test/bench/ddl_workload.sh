# test/bench/ddl_workload.sh — the DDL workload both guard benchmarks run. Sourced.
# write_ddl_workload SETUP DDL: SETUP (re)creates 20 tables of 100 rows; DDL holds
# 2,000 safe statements on them, one transaction each (ADD COLUMN, SET DEFAULT).
write_ddl_workload() {
	local t i
	for t in $(seq 0 19); do
		echo "DROP TABLE IF EXISTS ddl_t$t; CREATE TABLE ddl_t$t (id int PRIMARY KEY, v int);"
		echo "INSERT INTO ddl_t$t SELECT g, g FROM generate_series(1, 100) g;"
	done >"$1"
	for i in $(seq 0 1999); do
		t=$((i % 20))
		if [ $((i % 2)) -eq 0 ]; then echo "ALTER TABLE ddl_t$t ADD COLUMN c$i int;"
		else echo "ALTER TABLE ddl_t$t ALTER COLUMN v SET DEFAULT $i;"; fi
	done >"$2"
}
