"""The REST API (/api/v1/): one more caller of the same services and scoped
queries as the pages, for programs: the big-data bureau, the OA system, a
city's dashboards. Personal access tokens authenticate them."""
