"""The ETL pipeline (music_etl_pipeline) and the per-file processing it shares with uploads."""
