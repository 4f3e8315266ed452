SELECT id, first_name, last_name, email FROM users WHERE false;
