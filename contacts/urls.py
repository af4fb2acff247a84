from crm import access

app_name = "contacts"

urlpatterns: list = []

access.declare(app_name, {})
