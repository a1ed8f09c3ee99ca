using Orchestrator.Actors.Connections;
using Xunit;

namespace Orchestrator.Tests.Connections;

public sealed class TransportSelectorTests
{
    private static readonly TimeSpan CoolDown = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan T0 = TimeSpan.FromSeconds(10);

    private static TransportSelector Auto() => new(TransportMode.Auto, fallbackAfterFailedConnects: 3, CoolDown);

    [Theory]
    [InlineData(426)]
    [InlineData(404)]
    [InlineData(405)]
    public void A_refused_upgrade_switches_new_leases_to_http_at_once(int status)
    {
        var selector = Auto();

        var change = selector.UpgradeRefused(status, T0);

        Assert.Equal(new TransportSwitch(Transport.Http, TransportSwitch.UpgradeRefused, $"the endpoint refused the WebSocket upgrade with {status}"), change);
        Assert.Equal(Transport.Http, selector.Current);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(401)]
    [InlineData(503)]
    public void An_upgrade_answered_with_another_status_is_only_a_failed_connect(int status)
    {
        var selector = Auto();

        Assert.Null(selector.UpgradeRefused(status, T0));
        Assert.Equal(Transport.WebSocket, selector.Current);
    }

    [Fact]
    public void Failed_connects_switch_to_http_at_the_configured_count_in_a_row()
    {
        var selector = Auto();

        Assert.Null(selector.ConnectFailed(1, T0));
        Assert.Null(selector.ConnectFailed(0, T0));
        Assert.Null(selector.ConnectFailed(2, T0));
        var change = selector.ConnectFailed(3, T0);

        Assert.Equal(Transport.Http, change?.To);
        Assert.Equal(TransportSwitch.FailedConnects, change?.Reason);
        Assert.Equal(Transport.Http, selector.Current);
    }

    [Fact]
    public void After_the_cool_down_one_websocket_is_tried_while_leases_stay_on_http_and_its_connect_switches_back()
    {
        var selector = Auto();
        selector.UpgradeRefused(426, T0);

        Assert.Equal(CoolDown, selector.UntilProbe(T0));
        Assert.False(selector.ProbeDue(T0 + CoolDown - TimeSpan.FromMilliseconds(1)));
        // A socket opened before the fall-back that connects during the cool-down does not end it.
        Assert.Null(selector.Connected(T0 + TimeSpan.FromMinutes(1)));
        Assert.True(selector.ProbeDue(T0 + CoolDown));
        Assert.False(selector.ProbeDue(T0 + CoolDown));
        Assert.Null(selector.UntilProbe(T0 + CoolDown));
        Assert.Equal(Transport.Http, selector.Current);

        var back = selector.Connected(T0 + CoolDown + TimeSpan.FromSeconds(1));

        Assert.Equal(new TransportSwitch(Transport.WebSocket, TransportSwitch.WebSocketConnected, "a WebSocket connected after the cool-down"), back);
        Assert.Equal(Transport.WebSocket, selector.Current);
        Assert.Null(selector.UntilProbe(T0 + CoolDown + TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_failed_try_starts_another_cool_down_whatever_the_count_of_failures()
    {
        var selector = Auto();
        selector.UpgradeRefused(426, T0);
        var tried = T0 + CoolDown;
        Assert.True(selector.ProbeDue(tried));

        Assert.Null(selector.ConnectFailed(1, tried + TimeSpan.FromSeconds(1)));

        Assert.Equal(Transport.Http, selector.Current);
        Assert.Equal(CoolDown, selector.UntilProbe(tried + TimeSpan.FromSeconds(1)));
        Assert.Null(selector.Connected(tried + TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void A_refused_try_starts_another_cool_down()
    {
        var selector = Auto();
        selector.ConnectFailed(3, T0);
        var tried = T0 + CoolDown;
        Assert.True(selector.ProbeDue(tried));

        Assert.Null(selector.UpgradeRefused(426, tried));

        Assert.Equal(CoolDown, selector.UntilProbe(tried));
    }

    [Fact]
    public void Back_on_websockets_a_new_refusal_falls_back_again()
    {
        var selector = Auto();
        selector.UpgradeRefused(426, T0);
        selector.ProbeDue(T0 + CoolDown);
        selector.Connected(T0 + CoolDown);

        var again = selector.UpgradeRefused(426, T0 + CoolDown * 2);

        Assert.Equal(Transport.Http, again?.To);
        Assert.Equal(CoolDown, selector.UntilProbe(T0 + CoolDown * 2));
    }

    [Fact]
    public void The_websocket_and_http_modes_never_switch_nor_try()
    {
        var websocket = new TransportSelector(TransportMode.WebSocket, 1, CoolDown);
        var http = new TransportSelector(TransportMode.Http, 1, CoolDown);

        Assert.Null(websocket.UpgradeRefused(426, T0));
        Assert.Null(websocket.ConnectFailed(5, T0));
        Assert.Null(http.Connected(T0 + CoolDown));

        Assert.Equal(Transport.WebSocket, websocket.Current);
        Assert.Equal(Transport.Http, http.Current);
        Assert.Null(websocket.UntilProbe(T0 + CoolDown));
        Assert.Null(http.UntilProbe(T0 + CoolDown));
        Assert.False(http.ProbeDue(T0 + CoolDown));
    }
}
