from django.db import models


class User(models.Model):
    first_name = models.TextField()
    last_name = models.TextField()
    email = models.TextField(null=True)
    full_name = models.TextField()

    class Meta:
        db_table = "users"
        indexes = [models.Index(fields=["email"], name="users_email_idx")]


class Order(models.Model):
    user_id = models.ForeignKey(User, db_column="user_id", db_index=False, on_delete=models.CASCADE)

    class Meta:
        db_table = "orders"
