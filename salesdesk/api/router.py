from ninja import NinjaAPI

api = NinjaAPI(title="SalesDesk API", version="1", urls_namespace="api", docs_url="/docs")
