"""What every page shares: the header and navigation (``header``), who is calling (``access``), the language
(``i18n``), forms that mark bad fields (``forms``) and escaped tables (``tables``)."""
