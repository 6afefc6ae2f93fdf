"""Large-print PDFs of the information pages (issue 14, point 4): every content/pages/** page is
also written to site/<section>/<page>/large-print.pdf at `pafinder build` time (WeasyPrint,
system fonts, 18 pt text), and its page links to it with the file's size. A PDF whose source is
unchanged is reused rather than rendered again, so a rebuild with no change renders no PDF."""
