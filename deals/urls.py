from crm import access

app_name = "deals"

urlpatterns: list = []

access.declare(app_name, {})
