"""Paging a list worked out in Python (a ranking): the page asked for, clamped to
the pages there are. Queries page with `db.paginate`; the `pager` macro in
templates/_pager.html shows both (anything with page, pages, total)."""
from dataclasses import dataclass

RANKING_PAGE = 50  # rows of a ranking per page: a phone screen scrolls a few times, not a hundred


@dataclass
class Page:
    items: list
    page: int
    pages: int
    total: int
    per_page: int

    @property
    def first(self):
        """Number of the page's first row (1-based), for "rows 51-100"."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0


def page_of(items, page, per_page=RANKING_PAGE):
    total = len(items)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page or 1), pages)
    start = (page - 1) * per_page
    return Page(items[start:start + per_page], page, pages, total, per_page)
