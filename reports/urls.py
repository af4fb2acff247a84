from crm import access

app_name = "reports"

urlpatterns: list = []

access.declare(app_name, {})
