"""Every non-trivial read of the review, by area; each page's data comes from one selector that
returns a plain dataclass. Selectors import nothing from services. Import the module you need
(`from reviews.selectors import reports`): this package imports none of them itself."""
