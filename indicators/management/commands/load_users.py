from django.core.management.base import BaseCommand, CommandError

from audit.log import workbook_loaded
from indicators.files import open_private
from indicators.people import (
    ExcelImportError,
    load_users_file,
    password_rows,
    passwords_bytes,
    users_template_bytes,
    write_passwords_csv,
)


class Command(BaseCommand):
    help = (
        "Create or update accounts from a users workbook (姓名, 登录名, 所属单位, 角色, 手机号; "
        "layout on its 说明 sheet). New accounts get an initial password, shown once: printed, "
        "or written with -o to an .xlsx or .csv file; they must change it at the first login. "
        "A workbook with any problem is refused whole. --template writes a blank one."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="the .xlsx workbook to load (or to write, with --template)"
        )
        parser.add_argument(
            "-o",
            "--output",
            help="write the new accounts' initial passwords to this .xlsx or .csv file "
            "instead of printing them",
        )
        parser.add_argument(
            "--template", action="store_true", help="write a blank users workbook to FILE"
        )

    def handle(self, *args, **options):
        path, output = options["file"], options["output"]
        if options["template"]:
            with open(path, "wb") as out:
                out.write(users_template_bytes())
            self.stdout.write(f"Wrote {path}")
            return
        if output and not output.lower().endswith((".xlsx", ".csv")):
            raise CommandError("--output must name an .xlsx or a .csv file.")
        try:
            with open(path, "rb") as workbook:
                loaded = load_users_file(workbook)
        except FileNotFoundError as error:
            raise CommandError(f"No such file: {path}") from error
        except ExcelImportError as error:
            lines = "\n".join(f"  - {problem}" for problem in error.problems)
            raise CommandError(
                f"{path} was not loaded ({len(error.problems)} problems):\n{lines}"
            ) from error
        rows = len(loaded.created) + loaded.updated + loaded.unchanged
        workbook_loaded("users", path, rows=rows, created=len(loaded.created))
        self.stdout.write(
            f"Created {len(loaded.created)}, updated {loaded.updated}, "
            f"unchanged {loaded.unchanged}."
        )
        if not loaded.created:
            return
        if not output:
            self.stdout.write(
                "Initial passwords (shown this once; each is changed at first login):"
            )
            for row in password_rows(loaded):
                self.stdout.write("\t".join(row))
            return
        # Initial passwords: a file only this account may read (0600), even where it existed.
        if output.lower().endswith(".csv"):
            with open_private(output, "w", encoding="utf-8", newline="") as out:
                write_passwords_csv(loaded, out)
        else:
            with open_private(output, "wb") as out:
                out.write(passwords_bytes(loaded))
        self.stdout.write(f"Initial passwords written to {output}: hand them out, then delete it.")
