"""The web's routes by area, one ``router`` per module; ``web.app`` includes them in this order."""
