from django.apps import AppConfig


class RecommenderConfig(AppConfig):
    name = "beautyrec.recommender"
    label = "recommender"
    verbose_name = "Recommender: catalogue, interactions and recommendations"
