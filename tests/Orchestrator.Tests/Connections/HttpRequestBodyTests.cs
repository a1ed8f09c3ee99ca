using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Orchestrator.Actors.Connections;
using Orchestrator.Messages.Protocol;
using Xunit;

namespace Orchestrator.Tests.Connections;

public sealed class HttpRequestBodyTests
{
    [Fact]
    public void The_body_is_the_client_event_without_type_and_lane_and_with_stream_on()
    {
        var clientEvent = new ResponseCreate
        {
            Model = "gpt-5.1",
            Instructions = "Be brief: «ok».",
            Input = [Item.UserMessage("hello")],
            PreviousResponseId = "resp_1",
            Store = false,
            StreamId = "lane-3",
        }.ToUtf8Bytes();

        using var body = JsonDocument.Parse(HttpRequestBody.FromClientEvent(clientEvent));
        var root = body.RootElement;

        Assert.False(root.TryGetProperty("type", out _));
        Assert.False(root.TryGetProperty("stream_id", out _));
        Assert.True(root.GetProperty("stream").GetBoolean());
        Assert.Equal("gpt-5.1", root.GetProperty("model").GetString());
        Assert.Equal("Be brief: «ok».", root.GetProperty("instructions").GetString());
        Assert.Equal("resp_1", root.GetProperty("previous_response_id").GetString());
        Assert.False(root.GetProperty("store").GetBoolean());
        Assert.Equal("hello", root.GetProperty("input")[0].GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public void An_http_error_answer_is_the_error_event_a_websocket_would_carry()
    {
        var body = """{"error":{"message":"Slow down.","type":"requests","param":null,"code":"rate_limit_exceeded"}}"""u8;

        var e = HttpErrorAnswer.ToEvent(429, body, TimeSpan.FromMilliseconds(250));

        Assert.Equal(new ApiError(429, "rate_limit_exceeded", "Slow down.", null, "requests") { RetryAfter = TimeSpan.FromMilliseconds(250) }, e.Error);
        Assert.True(e.Error.IsRateLimited);
    }

    [Fact]
    public void An_error_answer_not_in_the_api_shape_keeps_its_status_and_text()
    {
        var e = HttpErrorAnswer.ToEvent(502, Encoding.UTF8.GetBytes("<html>Bad gateway</html>"), null);

        Assert.Equal(502, e.Error.Status);
        Assert.Null(e.Error.Code);
        Assert.Equal("<html>Bad gateway</html>", e.Error.Message);
    }

    [Fact]
    public void The_wait_comes_from_retry_after_ms_else_retry_after()
    {
        var now = DateTimeOffset.Parse("2026-12-07T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        using var exact = new HttpResponseMessage();
        exact.Headers.Add("retry-after-ms", "1500");
        exact.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(9));
        using var seconds = new HttpResponseMessage();
        seconds.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(9));
        using var date = new HttpResponseMessage();
        date.Headers.RetryAfter = new RetryConditionHeaderValue(now.AddSeconds(4));
        using var none = new HttpResponseMessage();

        Assert.Equal(TimeSpan.FromMilliseconds(1500), HttpErrorAnswer.RetryAfter(exact.Headers, now));
        Assert.Equal(TimeSpan.FromSeconds(9), HttpErrorAnswer.RetryAfter(seconds.Headers, now));
        Assert.Equal(TimeSpan.FromSeconds(4), HttpErrorAnswer.RetryAfter(date.Headers, now));
        Assert.Null(HttpErrorAnswer.RetryAfter(none.Headers, now));
    }

    [Fact]
    public void The_http_url_is_the_websocket_url_with_an_http_scheme()
    {
        Assert.Equal(new Uri("http://127.0.0.1:8787/v1/responses"), ResponsesHttp.ToHttpUrl(new Uri("ws://127.0.0.1:8787/v1/responses")));
        Assert.Equal(new Uri("https://api.openai.com/v1/responses"), ResponsesHttp.ToHttpUrl(new Uri("wss://api.openai.com/v1/responses")));
    }
}
