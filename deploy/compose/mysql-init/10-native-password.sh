#!/bin/bash
# Run by the mysql image's entrypoint on first start only (empty data directory), after it
# has created MYSQL_USER. The shop's MySQL driver (asyncmy) connects without TLS, where
# caching_sha2_password's full authentication needs the optional `cryptography` package;
# mysql_native_password does not. mysqld runs with --mysql-native-password=ON (compose.yaml).
# Not executable on purpose: the entrypoint then sources it, with its helpers defined.
shop_native_password_sql="ALTER USER '${MYSQL_USER}'@'%' IDENTIFIED WITH mysql_native_password BY '${MYSQL_PASSWORD}';"
if declare -F docker_process_sql >/dev/null; then
	docker_process_sql --database=mysql <<<"${shop_native_password_sql}"
else
	mysql --protocol=socket -uroot -p"${MYSQL_ROOT_PASSWORD}" mysql <<<"${shop_native_password_sql}"
fi
unset shop_native_password_sql
