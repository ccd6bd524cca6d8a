"""Create the demo staff account and demo client user (idempotent) and print their credentials and tokens."""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from rest_framework.authtoken.models import Token

DEMO_USERS = (("demo-staff", True), ("demo", False))


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--print-token", metavar="USERNAME",
                            help="Print only this demo user's API token (for scripts: TOKEN=$(...)).")

    def handle(self, *args, print_token: str | None = None, **options) -> None:
        User = get_user_model()
        lines = []
        for username, is_staff in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"is_staff": is_staff, "is_superuser": is_staff})
            password = None
            if created:
                # DEMO_PASSWORD lets a laptop keep one password across resets; otherwise a fresh random one.
                password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12)
                user.set_password(password)
                user.save()
            token, _ = Token.objects.get_or_create(user=user)
            if print_token == username:
                self.stdout.write(token.key)
                return
            shown = password if password else "(unchanged; set on first run)"
            lines.append(f"{username:11s} staff={is_staff!s:5s} password={shown}  token={token.key}")
        if print_token:
            self.stderr.write(f"{print_token} is not a demo user ({', '.join(u for u, _ in DEMO_USERS)})")
            raise SystemExit(2)
        self.stdout.write("\n".join(lines))
