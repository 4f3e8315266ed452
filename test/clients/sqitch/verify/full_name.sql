SELECT full_name FROM users WHERE false;
