"""List, and with --delete remove, evidence files that no evidence row names.

The workflow gate deletes a removed file once its change commits and a file written before a
failure at once, so orphans are rare: a crash between writing and committing, a restore of an
older database, rows deleted by hand. Files younger than --older-than minutes are left alone:
they may belong to an upload whose transaction has not committed yet.
"""

import posixpath
from datetime import timedelta

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils import timezone

from indicators import evidence
from indicators.models import Evidence


def stored_names(storage, folder=""):
    """Every file name under ``folder`` of ``storage``, walking down its folders."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield posixpath.join(folder, name) if folder else name
    for sub in folders:
        yield from stored_names(storage, posixpath.join(folder, sub) if folder else sub)


def referenced_names():
    """The names every kind of evidence row holds (each app's concrete Evidence model)."""
    names = set()
    for model in apps.get_models():
        if issubclass(model, Evidence):
            for file_name, thumbnail_name in model.objects.values_list(
                "file_name", "thumbnail_name"
            ):
                names.update((file_name, thumbnail_name))
    names.discard("")
    return names


class Command(BaseCommand):
    help = "列出（加 --delete 则删除）没有任何佐证材料记录引用的文件。默认只列出，不删除。"

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="删除列出的孤立文件")
        parser.add_argument(
            "--older-than",
            type=int,
            default=60,
            metavar="MINUTES",
            help="只处理早于这么多分钟的文件（默认60），以免误删正在上传的文件",
        )

    def handle(self, *args, delete=False, older_than=60, **options):
        storage = evidence.storage()
        cutoff = timezone.now() - timedelta(minutes=older_than)
        referenced = referenced_names()
        orphans = [
            name
            for name in sorted(stored_names(storage))
            if name not in referenced and storage.get_modified_time(name) <= cutoff
        ]
        for name in orphans:
            self.stdout.write(name)
            if delete:
                storage.delete(name)
        if delete:
            self.stdout.write(f"已删除{len(orphans)}个孤立文件。")
        else:
            self.stdout.write(f"共{len(orphans)}个孤立文件（未删除；加 --delete 删除）。")
