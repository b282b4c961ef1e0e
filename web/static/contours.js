// contours.js: draws the grid's contour lines (segments in data coordinates,
// computed by the server) in one path per level.

/**
 * drawContours strokes every level of grid.levels under the view transform
 * tr; every fourth level is drawn a little stronger so that the eye can
 * count them.
 */
export function drawContours(ctx, levels, tr, { color = 'rgba(255,255,255,0.45)', width = 1 } = {}) {
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineCap = 'round';
  levels.forEach((lv, k) => {
    const s = lv.segments;
    if (!s || s.length === 0) return;
    ctx.lineWidth = k % 4 === 0 ? width * 1.6 : width;
    ctx.globalAlpha = k % 4 === 0 ? 1 : 0.7;
    ctx.beginPath();
    for (let i = 0; i + 3 < s.length; i += 4) {
      ctx.moveTo(tr.x(s[i]), tr.y(s[i + 1]));
      ctx.lineTo(tr.x(s[i + 2]), tr.y(s[i + 3]));
    }
    ctx.stroke();
  });
  ctx.restore();
}
