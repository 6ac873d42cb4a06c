from .views import bp
