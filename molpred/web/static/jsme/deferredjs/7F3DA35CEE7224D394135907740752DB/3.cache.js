$wnd.jsme.runAsyncCallback3('x(704,595,$s);_.Zd=function(){this.a.n&&q4(this.a.n);this.a.n=new v4(0,this.a)};U(T0)(3);\n//@ sourceURL=3.js\n')
