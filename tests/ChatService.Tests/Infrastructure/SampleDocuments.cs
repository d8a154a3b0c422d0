namespace ChatService.Tests.Infrastructure;

public static class SampleDocuments
{
    public const string Volcano = """
        # Volcanoes of Iceland

        Hekla is one of the most active volcanoes in Iceland. Its eruption in 1947 lasted thirteen months.

        ## Eyjafjallajokull

        The 2010 eruption of Eyjafjallajokull grounded European air traffic for six days because of its ash cloud.
        """;

    public const string Bread = """
        Sourdough bread rises because wild yeast and lactobacilli ferment the flour.
        A starter is fed with flour and water every day and kept at room temperature.
        """;
}
