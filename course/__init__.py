"""course: catalog, modules, lessons, video delivery, progress, the content importer."""
