/* A QR code encoder (ISO/IEC 18004, byte mode, error correction level L or M), for a
   page that must draw a code while the server cannot be reached: the emergency receipt
   of static/js/attempt.js. The server draws its codes with segno; this follows the same
   standard step by step (as Project Nayuki's qrcodegen does), and
   tests/e2e/test_receipt.py checks that its modules equal segno's for the same text,
   version, level and mask.

   QR.matrix(text, {level: "L"|"M", mask: 0..7}) -> {version, size, mask, dark(x, y)}, or
   null when the text does not fit in version 40; QR.svg(text, options) -> an <svg>
   element (4-module quiet zone) or null. */
(function () {
  "use strict";

  // Per version 1..40: error correction codewords per block, and number of blocks.
  var ECC = {
    L: {
      perBlock: [7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30,
        26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
      blocks: [1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15,
        16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
      format: 1
    },
    M: {
      perBlock: [10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28,
        28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
      blocks: [1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26,
        28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
      format: 0
    }
  };

  function utf8(text) {
    var bytes = [];
    var encoded = unescape(encodeURIComponent(text));
    for (var i = 0; i < encoded.length; i++) { bytes.push(encoded.charCodeAt(i)); }
    return bytes;
  }

  function bit(value, i) { return ((value >>> i) & 1) !== 0; }

  function rawDataModules(version) {
    var result = (16 * version + 128) * version + 64;
    if (version >= 2) {
      var align = Math.floor(version / 7) + 2;
      result -= (25 * align - 10) * align - 55;
      if (version >= 7) { result -= 36; }
    }
    return result;
  }

  function dataCodewords(version, level) {
    return Math.floor(rawDataModules(version) / 8) - ECC[level].perBlock[version - 1] * ECC[level].blocks[version - 1];
  }

  // Reed-Solomon over GF(2^8) with the polynomial 0x11D.
  function multiply(x, y) {
    var z = 0;
    for (var i = 7; i >= 0; i--) {
      z = (z << 1) ^ ((z >>> 7) * 0x11D);
      z ^= ((y >>> i) & 1) * x;
    }
    return z;
  }

  function divisor(degree) {
    var result = [];
    for (var i = 0; i < degree - 1; i++) { result.push(0); }
    result.push(1);
    var root = 1;
    for (i = 0; i < degree; i++) {
      for (var j = 0; j < result.length; j++) {
        result[j] = multiply(result[j], root);
        if (j + 1 < result.length) { result[j] ^= result[j + 1]; }
      }
      root = multiply(root, 0x02);
    }
    return result;
  }

  function remainder(data, div) {
    var result = div.map(function () { return 0; });
    data.forEach(function (b) {
      var factor = b ^ result.shift();
      result.push(0);
      div.forEach(function (coefficient, i) { result[i] ^= multiply(coefficient, factor); });
    });
    return result;
  }

  function codewords(bytes, version, level) {
    var capacity = dataCodewords(version, level) * 8;
    var bits = [];
    var push = function (value, length) { for (var i = length - 1; i >= 0; i--) { bits.push((value >>> i) & 1); } };
    push(0x4, 4);
    push(bytes.length, version <= 9 ? 8 : 16);
    bytes.forEach(function (b) { push(b, 8); });
    push(0, Math.min(4, capacity - bits.length));
    push(0, (8 - bits.length % 8) % 8);
    for (var pad = 0xEC; bits.length < capacity; pad ^= 0xEC ^ 0x11) { push(pad, 8); }
    var data = [];
    for (var i = 0; i < bits.length; i += 8) {
      var value = 0;
      for (var j = 0; j < 8; j++) { value = (value << 1) | bits[i + j]; }
      data.push(value);
    }
    // Split into blocks, add each block's error correction, interleave.
    var blockCount = ECC[level].blocks[version - 1];
    var eccLength = ECC[level].perBlock[version - 1];
    var raw = Math.floor(rawDataModules(version) / 8);
    var shortBlocks = blockCount - raw % blockCount;
    var shortLength = Math.floor(raw / blockCount);
    var div = divisor(eccLength);
    var blocks = [];
    for (i = 0, j = 0; i < blockCount; i++) {
      var block = data.slice(j, j + shortLength - eccLength + (i < shortBlocks ? 0 : 1));
      j += block.length;
      var ecc = remainder(block, div);
      if (i < shortBlocks) { block.push(0); }
      blocks.push(block.concat(ecc));
    }
    var result = [];
    for (i = 0; i < blocks[0].length; i++) {
      blocks.forEach(function (b, k) {
        if (i !== shortLength - eccLength || k >= shortBlocks) { result.push(b[i]); }
      });
    }
    return result;
  }

  function Symbol(version, level) {
    this.version = version;
    this.level = level;
    this.size = version * 4 + 17;
    this.modules = [];
    this.fixed = [];
    for (var y = 0; y < this.size; y++) {
      this.modules.push(new Array(this.size).fill(false));
      this.fixed.push(new Array(this.size).fill(false));
    }
  }

  Symbol.prototype.set = function (x, y, dark) {
    this.modules[y][x] = dark;
    this.fixed[y][x] = true;
  };

  Symbol.prototype.alignmentPositions = function () {
    if (this.version === 1) { return []; }
    var count = Math.floor(this.version / 7) + 2;
    var step = Math.floor((this.version * 8 + count * 3 + 5) / (count * 4 - 4)) * 2;
    var result = [6];
    for (var pos = this.size - 7; result.length < count; pos -= step) { result.splice(1, 0, pos); }
    return result;
  };

  Symbol.prototype.drawPatterns = function () {
    var size = this.size, self = this;
    for (var i = 0; i < size; i++) {
      this.set(6, i, i % 2 === 0);
      this.set(i, 6, i % 2 === 0);
    }
    [[3, 3], [size - 4, 3], [3, size - 4]].forEach(function (c) {
      for (var dy = -4; dy <= 4; dy++) {
        for (var dx = -4; dx <= 4; dx++) {
          var d = Math.max(Math.abs(dx), Math.abs(dy)), x = c[0] + dx, y = c[1] + dy;
          if (x >= 0 && x < size && y >= 0 && y < size) { self.set(x, y, d !== 2 && d !== 4); }
        }
      }
    });
    var align = this.alignmentPositions(), n = align.length;
    for (i = 0; i < n; i++) {
      for (var j = 0; j < n; j++) {
        if ((i === 0 && j === 0) || (i === 0 && j === n - 1) || (i === n - 1 && j === 0)) { continue; }
        for (var ay = -2; ay <= 2; ay++) {
          for (var ax = -2; ax <= 2; ax++) {
            this.set(align[i] + ax, align[j] + ay, Math.max(Math.abs(ax), Math.abs(ay)) !== 1);
          }
        }
      }
    }
    this.drawFormat(0);
    if (this.version >= 7) {
      var rem = this.version;
      for (i = 0; i < 12; i++) { rem = (rem << 1) ^ ((rem >>> 11) * 0x1F25); }
      var bits = this.version << 12 | rem;
      for (i = 0; i < 18; i++) {
        var a = size - 11 + i % 3, b = Math.floor(i / 3);
        this.set(a, b, bit(bits, i));
        this.set(b, a, bit(bits, i));
      }
    }
  };

  Symbol.prototype.drawFormat = function (mask) {
    var size = this.size;
    var data = ECC[this.level].format << 3 | mask;
    var rem = data;
    for (var i = 0; i < 10; i++) { rem = (rem << 1) ^ ((rem >>> 9) * 0x537); }
    var bits = (data << 10 | rem) ^ 0x5412;
    for (i = 0; i <= 5; i++) { this.set(8, i, bit(bits, i)); }
    this.set(8, 7, bit(bits, 6));
    this.set(8, 8, bit(bits, 7));
    this.set(7, 8, bit(bits, 8));
    for (i = 9; i < 15; i++) { this.set(14 - i, 8, bit(bits, i)); }
    for (i = 0; i < 8; i++) { this.set(size - 1 - i, 8, bit(bits, i)); }
    for (i = 8; i < 15; i++) { this.set(8, size - 15 + i, bit(bits, i)); }
    this.set(8, size - 8, true);
  };

  Symbol.prototype.drawData = function (data) {
    var size = this.size, i = 0;
    for (var right = size - 1; right >= 1; right -= 2) {
      if (right === 6) { right = 5; }
      for (var vert = 0; vert < size; vert++) {
        for (var j = 0; j < 2; j++) {
          var x = right - j;
          var upward = ((right + 1) & 2) === 0;
          var y = upward ? size - 1 - vert : vert;
          if (!this.fixed[y][x] && i < data.length * 8) {
            this.modules[y][x] = bit(data[i >>> 3], 7 - (i & 7));
            i++;
          }
        }
      }
    }
  };

  var MASKS = [
    function (x, y) { return (x + y) % 2 === 0; },
    function (x, y) { return y % 2 === 0; },
    function (x) { return x % 3 === 0; },
    function (x, y) { return (x + y) % 3 === 0; },
    function (x, y) { return (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0; },
    function (x, y) { return x * y % 2 + x * y % 3 === 0; },
    function (x, y) { return (x * y % 2 + x * y % 3) % 2 === 0; },
    function (x, y) { return ((x + y) % 2 + x * y % 3) % 2 === 0; }
  ];

  Symbol.prototype.applyMask = function (mask) {
    for (var y = 0; y < this.size; y++) {
      for (var x = 0; x < this.size; x++) {
        if (!this.fixed[y][x] && MASKS[mask](x, y)) { this.modules[y][x] = !this.modules[y][x]; }
      }
    }
  };

  // The penalty of ISO/IEC 18004 8.8.2, to choose the mask.
  Symbol.prototype.penalty = function () {
    var size = this.size, m = this.modules, result = 0, self = this;
    var line = function (get) {
      var total = 0;
      for (var a = 0; a < size; a++) {
        var color = false, run = 0, history = [0, 0, 0, 0, 0, 0, 0];
        for (var b = 0; b < size; b++) {
          if (get(a, b) === color) {
            run++;
            if (run === 5) { total += 3; } else if (run > 5) { total++; }
          } else {
            self.addHistory(run, history);
            if (!color) { total += self.countFinderLike(history) * 40; }
            color = get(a, b);
            run = 1;
          }
        }
        if (color) { self.addHistory(run, history); run = 0; }
        run += size;
        self.addHistory(run, history);
        total += self.countFinderLike(history) * 40;
      }
      return total;
    };
    result += line(function (y, x) { return m[y][x]; });
    result += line(function (x, y) { return m[y][x]; });
    var dark = 0;
    for (var y = 0; y < size; y++) {
      for (var x = 0; x < size; x++) {
        if (m[y][x]) { dark++; }
        if (y < size - 1 && x < size - 1) {
          var c = m[y][x];
          if (c === m[y][x + 1] && c === m[y + 1][x] && c === m[y + 1][x + 1]) { result += 3; }
        }
      }
    }
    var total = size * size;
    result += (Math.ceil(Math.abs(dark * 20 - total * 10) / total) - 1) * 10;
    return result;
  };

  Symbol.prototype.addHistory = function (run, history) {
    if (history[0] === 0) { run += this.size; }
    history.pop();
    history.unshift(run);
  };

  Symbol.prototype.countFinderLike = function (h) {
    var n = h[1];
    var core = n > 0 && h[2] === n && h[3] === n * 3 && h[4] === n && h[5] === n;
    return (core && h[0] >= n * 4 && h[6] >= n ? 1 : 0) + (core && h[6] >= n * 4 && h[0] >= n ? 1 : 0);
  };

  function matrix(text, options) {
    options = options || {};
    var level = options.level === "M" ? "M" : "L";
    var bytes = utf8(text);
    var version = 0;
    for (var v = options.version || 1; v <= 40; v++) {
      if (4 + (v <= 9 ? 8 : 16) + bytes.length * 8 <= dataCodewords(v, level) * 8) { version = v; break; }
      if (options.version) { break; }
    }
    if (!version) { return null; }
    var data = codewords(bytes, version, level);
    var symbol = new Symbol(version, level);
    symbol.drawPatterns();
    symbol.drawData(data);
    var mask = options.mask;
    if (mask === undefined || mask === null) {
      var best = Infinity;
      for (var k = 0; k < 8; k++) {
        symbol.applyMask(k);
        symbol.drawFormat(k);
        var score = symbol.penalty();
        if (score < best) { best = score; mask = k; }
        symbol.applyMask(k);
      }
    }
    symbol.applyMask(mask);
    symbol.drawFormat(mask);
    return {
      version: version, size: symbol.size, mask: mask, level: level,
      dark: function (x, y) { return symbol.modules[y][x]; },
      rows: function () { return symbol.modules.map(function (row) { return row.slice(); }); }
    };
  }

  function svg(text, options) {
    var code = matrix(text, options);
    if (!code) { return null; }
    var side = code.size + 8;
    var path = "";
    for (var y = 0; y < code.size; y++) {
      for (var x = 0; x < code.size; x++) {
        if (code.dark(x, y)) { path += "M" + (x + 4) + " " + (y + 4) + "h1v1h-1z"; }
      }
    }
    var ns = "http://www.w3.org/2000/svg";
    var element = document.createElementNS(ns, "svg");
    var px = side * Math.max(2, Math.floor(((options && options.maxPixels) || 320) / side));
    element.setAttribute("viewBox", "0 0 " + side + " " + side);
    element.setAttribute("width", px);
    element.setAttribute("height", px);
    var background = document.createElementNS(ns, "rect");
    background.setAttribute("width", side);
    background.setAttribute("height", side);
    background.setAttribute("fill", "#fff");
    var dark = document.createElementNS(ns, "path");
    dark.setAttribute("d", path);
    dark.setAttribute("fill", "#000");
    element.appendChild(background);
    element.appendChild(dark);
    element.dataset.version = code.version;
    return element;
  }

  window.QR = { matrix: matrix, svg: svg };
}());
