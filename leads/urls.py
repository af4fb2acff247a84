from crm import access

app_name = "leads"

urlpatterns: list = []

access.declare(app_name, {})
