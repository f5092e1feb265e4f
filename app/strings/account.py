"""keys strings."""

EN: dict[str, str] = {
}

ZH: dict[str, str] = {
}
