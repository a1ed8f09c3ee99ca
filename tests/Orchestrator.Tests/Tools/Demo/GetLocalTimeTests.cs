using System.Text.Json;
using Xunit;
using static Orchestrator.Tests.Tools.Demo.DemoToolTesting;

namespace Orchestrator.Tests.Tools.Demo;

public sealed class GetLocalTimeTests
{
    private static Task<JsonElement> Time(string city) =>
        Succeed("get_local_time", $$"""{"city":{{JsonSerializer.Serialize(city)}}}""");

    [Theory]
    [InlineData("Paris", "2025-06-02T14:00:00+02:00", "+02:00", "monday")]
    [InlineData("tokyo", "2025-06-02T21:00:00+09:00", "+09:00", "monday")]
    [InlineData("Mumbai", "2025-06-02T17:30:00+05:30", "+05:30", "monday")]
    [InlineData("New York", "2025-06-02T08:00:00-04:00", "-04:00", "monday")]
    [InlineData("Auckland", "2025-06-03T00:00:00+12:00", "+12:00", "tuesday")]
    public async Task Known_cities_use_their_real_offset_on_the_demo_clock(string city, string local, string offset, string weekday)
    {
        JsonElement time = await Time(city);

        Assert.Equal(local, time.GetProperty("local_time").GetString());
        Assert.Equal(offset, time.GetProperty("utc_offset").GetString());
        Assert.Equal(weekday, time.GetProperty("weekday").GetString());
        Assert.False(time.GetProperty("estimated").GetBoolean());
    }

    [Fact]
    public async Task Unknown_cities_get_a_stable_whole_hour_estimate()
    {
        JsonElement first = await Time("Springfield");
        JsonElement again = await Time("springfield ");

        Assert.True(first.GetProperty("estimated").GetBoolean());
        Assert.Equal("2025-06-02T01:00:00-11:00", first.GetProperty("local_time").GetString());
        Assert.Equal(first.GetProperty("local_time").GetString(), again.GetProperty("local_time").GetString());
    }

    [Fact]
    public async Task A_blank_city_is_an_error()
    {
        Assert.Equal("Tool 'get_local_time' failed: The city must not be blank.", await Fail("get_local_time", """{"city":""}"""));
    }
}
