"""E-mail in and out: parsing a customer's reply (``inbound``), composing and sending (``outbound``)."""
