from crm import access

app_name = "activities"

urlpatterns: list = []

access.declare(app_name, {})
