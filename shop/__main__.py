from shop.cli import app

app()
