"""Teams: members, roles and invitations (``page``)."""
